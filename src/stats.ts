/**
 * One stats shape in every browser. Chromium and Firefox differ in which fields they fill, in
 * whether numbers arrive as numbers, and in where the selected candidate pair is marked; this
 * module smooths that over.
 *
 * - Every entry is `{id, type, timestampMs, ...}` with every numeric field a `number`.
 * - `timestampMs` is milliseconds since the Unix epoch.
 * - `summary` gives the figures most callers want, `null` where the browser has none yet.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface StatsEntry {
  id: string;
  type: string;
  timestampMs: number;
  [field: string]: unknown;
}

export interface StatsSummary {
  /** Round-trip time of the selected candidate pair, in milliseconds. */
  rttMs: number | null;
  /** Bytes sent and received on the selected transport (media and data). */
  bytesSent: number;
  bytesReceived: number;
  /** Packets lost on every inbound RTP stream. */
  packetsLost: number;
  /** Frames per second of the first inbound video stream. */
  framesPerSecond: number | null;
  /** Frames decoded on every inbound video stream. */
  framesDecoded: number;
  localCandidateType: CandidateType | null;
  remoteCandidateType: CandidateType | null;
  /** Whether a relay (TURN) is in use on either side. */
  relayed: boolean;
}

export interface WebRtcStatistics {
  timestampMs: number;
  entries: StatsEntry[];
  summary: StatsSummary;
}

/** Timestamps relative to the page (a few browsers, older Node stacks) become epoch milliseconds. */
function epochMs(timestamp: unknown): number {
  const value = typeof timestamp === 'number' ? timestamp : Number(timestamp);
  if (!Number.isFinite(value)) return Date.now();
  return value < 1e12 ? performance.timeOrigin + value : value;
}

function normalizeEntry(raw: Record<string, unknown>): StatsEntry {
  const entry: StatsEntry = { id: String(raw.id), type: String(raw.type), timestampMs: epochMs(raw.timestamp) };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'id' || key === 'type' || key === 'timestamp') continue;
    // Some stacks report numbers as numeric strings or bigints.
    if (typeof value === 'bigint') entry[key] = Number(value);
    else if (
      typeof value === 'string' &&
      value !== '' &&
      /^-?\d+(\.\d+)?$/.test(value) &&
      key !== 'ssrc' &&
      !key.endsWith('Id')
    ) {
      entry[key] = Number(value);
    } else entry[key] = value;
  }
  return entry;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function selectedPair(entries: StatsEntry[]): StatsEntry | undefined {
  const byId = new Map(entries.map((e) => [e.id, e]));
  for (const transport of entries.filter((e) => e.type === 'transport')) {
    const pair = byId.get(String(transport.selectedCandidatePairId));
    if (pair) return pair;
  }
  // Firefox marks the pair itself.
  return (
    entries.find((e) => e.type === 'candidate-pair' && e.selected === true) ??
    entries.find((e) => e.type === 'candidate-pair' && e.nominated === true && e.state === 'succeeded')
  );
}

function summarize(entries: StatsEntry[]): StatsSummary {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const pair = selectedPair(entries);
  const local = pair ? byId.get(String(pair.localCandidateId)) : undefined;
  const remote = pair ? byId.get(String(pair.remoteCandidateId)) : undefined;
  const candidateType = (entry: StatsEntry | undefined) => (entry?.candidateType as CandidateType | undefined) ?? null;
  const inbound = entries.filter((e) => e.type === 'inbound-rtp');
  const video = inbound.filter((e) => e.kind === 'video' || e.mediaType === 'video');
  const transports = entries.filter((e) => e.type === 'transport');
  const sumOver = (list: StatsEntry[], field: string) => list.reduce((total, e) => total + num(e[field]), 0);
  const rtt = pair?.currentRoundTripTime;
  const fps = video.find((e) => typeof e.framesPerSecond === 'number')?.framesPerSecond;
  const summary: StatsSummary = {
    rttMs: typeof rtt === 'number' ? rtt * 1000 : null,
    // Chromium counts them on the transport; Firefox has a transport entry without them, and the pair has them.
    bytesSent: Math.max(sumOver(transports, 'bytesSent'), num(pair?.bytesSent)),
    bytesReceived: Math.max(sumOver(transports, 'bytesReceived'), num(pair?.bytesReceived)),
    packetsLost: sumOver(inbound, 'packetsLost'),
    framesPerSecond: typeof fps === 'number' ? fps : null,
    framesDecoded: sumOver(video, 'framesDecoded'),
    localCandidateType: candidateType(local),
    remoteCandidateType: candidateType(remote),
    relayed: candidateType(local) === 'relay' || candidateType(remote) === 'relay',
  };
  return summary;
}

/** Turns a native `RTCStatsReport` (a maplike) into the uniform shape. */
export function normalizeStats(report: { forEach(callback: (value: unknown) => void): void }): WebRtcStatistics {
  const entries: StatsEntry[] = [];
  report.forEach((value) => entries.push(normalizeEntry(value as Record<string, unknown>)));
  return { timestampMs: Date.now(), entries, summary: summarize(entries) };
}

export type Quality = 'good' | 'fair' | 'poor';

/** Packets received on every inbound RTP stream (for loss ratios). */
function packetsReceived(statistics: WebRtcStatistics): number {
  return statistics.entries
    .filter((e) => e.type === 'inbound-rtp')
    .reduce((total, e) => total + num(e.packetsReceived), 0);
}

/**
 * A coarse connection quality from round-trip time and packet loss (between two samples when
 * `previous` is given): good below 150 ms and 2 % loss, poor above 400 ms or 8 % loss.
 */
export function qualityOf(
  statistics: WebRtcStatistics,
  previous?: WebRtcStatistics,
): { quality: Quality; rttMs: number | null; lossPercent: number } {
  const lost = statistics.summary.packetsLost - (previous?.summary.packetsLost ?? 0);
  const received = packetsReceived(statistics) - (previous ? packetsReceived(previous) : 0);
  const lossPercent = lost > 0 && lost + received > 0 ? (100 * lost) / (lost + received) : 0;
  const rtt = statistics.summary.rttMs;
  const quality: Quality =
    (rtt !== null && rtt > 400) || lossPercent > 8
      ? 'poor'
      : (rtt !== null && rtt > 150) || lossPercent > 2
        ? 'fair'
        : 'good';
  return { quality, rttMs: rtt, lossPercent };
}
