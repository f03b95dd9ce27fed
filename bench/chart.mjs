// bench/results.svg: two bar charts, data-channel throughput (speed ÷ raw, higher is better) and
// join to first frame without the delay (time ÷ raw, lower is better).
import { CASES } from './join-to-frame.mjs';
import { joinRatio as joinRatioOf } from './report-wait.mjs';

const SHORT = { both: 'both send', joiner: 'joiner sends', waiter: 'waiter sends', data: 'data only' };
const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(2));

function panel(title, bars, y0, { line, good }) {
  const barH = 20,
    left = 280,
    scale = 250;
  const out = [`<text x="10" y="${y0 + 15}" font-weight="bold">${title}</text>`];
  bars.forEach(([label, value], i) => {
    const y = y0 + 25 + i * (barH + 5);
    const w = Math.max(0, Math.min(2.4, value ?? 0) * scale);
    out.push(
      `<text x="10" y="${y + 14}">${label}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${good(label) ? '#2a7' : '#999'}"/>`,
      `<text x="${left + w + 5}" y="${y + 14}">${fmt(value)}</text>`,
    );
  });
  const bottom = y0 + 25 + bars.length * (barH + 5);
  out.push(
    `<line x1="${left + line * scale}" y1="${y0 + 20}" x2="${left + line * scale}" y2="${bottom}" stroke="#c00" stroke-dasharray="4"/>`,
  );
  return { svg: out, bottom };
}

/** `rows`: the data-channel rows of run.mjs; `join`: join times by browser (or undefined). */
export function chart(rows, join) {
  const speed = [];
  for (const row of rows) {
    const b = row.browser.split(' ')[0];
    speed.push(
      [`${b}: engine`, row.engineVsRaw],
      [`${b}: simple-peer`, row.simplePeerVsRaw],
      [`${b}: PeerJS`, row.peerJsVsRaw],
    );
  }
  const a = panel('Data-channel throughput, speed ÷ raw RTCDataChannel (higher is better)', speed, 10, {
    line: 1,
    good: (l) => l.includes('engine'),
  });
  const joins = [];
  for (const [b, j] of Object.entries(join ?? {})) {
    for (const kase of Object.keys(CASES)) {
      joins.push(
        [`${b}, ${SHORT[kase]}: rtc-call`, joinRatioOf(j.times[kase][0], 'element')],
        [`${b}, ${SHORT[kase]}: PeerJS`, joinRatioOf(j.times[kase][0], 'peerjs')],
      );
    }
  }
  const parts = [...a.svg];
  let height = a.bottom + 10;
  if (joins.length) {
    const b = panel('Join to first frame, time ÷ raw page (lower is better; red: 1.10)', joins, a.bottom + 20, {
      line: 1.1,
      good: (l) => l.includes('rtc-call'),
    });
    parts.push(...b.svg);
    height = b.bottom + 10;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}" font-family="sans-serif" font-size="12">`,
    ...parts,
    '</svg>',
  ].join('\n');
}
