// A WHIP/WHEP endpoint for tests, on 127.0.0.1, whose media side is a real WebRTC peer (werift):
// what a publisher sends to /whip/<stream> is forwarded to every viewer of /whep/<stream>.
// It records every request so that tests can check the protocol (headers, bodies, ETags).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

const codecs = {
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
  video: [
    new RTCRtpCodecParameters({
      mimeType: 'video/VP8',
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    }),
  ],
};

export async function startWhipEndpoint({ token = 'secret' } = {}) {
  const resources = new Map(); // id -> {pc, etag, kind, stream}
  const streams = new Map(); // stream -> {publisher: {video, audio, pc}, viewers: Set<{video, audio}>}
  const log = [];
  const streamOf = (name) => {
    if (!streams.has(name)) streams.set(name, { publisher: null, viewers: new Set() });
    return streams.get(name);
  };

  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'POST, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
    'Access-Control-Expose-Headers': 'Location, ETag, Link',
  };
  const reply = (res, status, headers = {}, body = '') => {
    res.writeHead(status, { ...cors, ...headers });
    res.end(body);
  };
  const read = (req) =>
    new Promise((resolve) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => resolve(body));
    });

  async function answer(kind, name, offer) {
    const pc = new RTCPeerConnection({ codecs, iceServers: [] });
    const entry = streamOf(name);
    if (kind === 'whip') {
      pc.onTrack.subscribe((track) => {
        entry.publisher ??= { pc, tracks: {} };
        entry.publisher.tracks[track.kind] = track;
        track.onReceiveRtp.subscribe((rtp) => {
          track.packetCount = (track.packetCount ?? 0) + 1;
          for (const viewer of entry.viewers) viewer[track.kind]?.writeRtp(rtp.clone ? rtp.clone() : rtp);
        });
      });
    } else {
      const viewer = { audio: new MediaStreamTrack({ kind: 'audio' }), video: new MediaStreamTrack({ kind: 'video' }) };
      pc.addTransceiver(viewer.audio, { direction: 'sendonly' });
      pc.addTransceiver(viewer.video, { direction: 'sendonly' });
      entry.viewers.add(viewer);
      // A viewer needs a key frame to start: ask the publisher for them while it watches.
      viewer.timer = setInterval(() => {
        const video = entry.publisher?.tracks.video;
        if (video?.ssrc)
          entry.publisher.pc
            .getTransceivers()
            .find((t) => t.kind === 'video')
            ?.receiver.sendRtcpPLI(video.ssrc)
            .catch(() => {});
      }, 500);
      pc.viewer = viewer;
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete')
      await new Promise((resolve) =>
        pc.iceGatheringStateChange.subscribe((s) => {
          if (s === 'complete') resolve();
        }),
      );
    return { pc, sdp: pc.localDescription.sdp };
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      const body = req.method === 'OPTIONS' ? '' : await read(req);
      log.push({ method: req.method, path: url.pathname, headers: { ...req.headers }, body });
      if (req.method === 'OPTIONS') return reply(res, 204);
      if (req.headers.authorization !== `Bearer ${token}`) return reply(res, 401, {}, 'bad token');
      const post = /^\/(whip|whep)\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'POST' && post) {
        if (req.headers['content-type'] !== 'application/sdp') return reply(res, 415);
        const { pc, sdp } = await answer(post[1], post[2], body);
        const id = randomUUID();
        const etag = `"${randomUUID()}"`;
        resources.set(id, { pc, etag, kind: post[1], stream: post[2], offer: body });
        return reply(
          res,
          201,
          {
            'Content-Type': 'application/sdp',
            Location: `/resource/${id}`,
            ETag: etag,
            Link: '<stun:127.0.0.1:3478>; rel="ice-server", <turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="user"; credential="pass"; credential-type="password"',
          },
          sdp,
        );
      }
      const resource = /^\/resource\/([\w-]+)$/.exec(url.pathname);
      const entry = resource && resources.get(resource[1]);
      if (!entry) return reply(res, 404);
      if (req.method === 'DELETE') {
        resources.delete(resource[1]);
        if (entry.pc.viewer) {
          clearInterval(entry.pc.viewer.timer);
          streamOf(entry.stream).viewers.delete(entry.pc.viewer);
        }
        await entry.pc.close();
        return reply(res, 200);
      }
      if (req.method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/trickle-ice-sdpfrag') return reply(res, 415);
        if (req.headers['if-match'] === '*') {
          // ICE restart: a new ETag, and this side's credentials back (werift keeps its own).
          entry.etag = `"${randomUUID()}"`;
          // Restart this side too: the stored offer with the client's new credentials, a new answer.
          const ufrag = /a=ice-ufrag:(\S+)/.exec(body)?.[1];
          const pwd = /a=ice-pwd:(\S+)/.exec(body)?.[1];
          if (ufrag && pwd) {
            try {
              entry.pc.restartIce();
              const offer = entry.offer
                .replace(/a=ice-ufrag:\S+/g, `a=ice-ufrag:${ufrag}`)
                .replace(/a=ice-pwd:\S+/g, `a=ice-pwd:${pwd}`);
              await entry.pc.setRemoteDescription({ type: 'offer', sdp: offer });
              await entry.pc.setLocalDescription(await entry.pc.createAnswer());
              entry.offer = offer;
            } catch (error) {
              log.push({ method: 'note', path: 'restart failed', headers: {}, body: String(error) });
            }
          }
          const sdp = entry.pc.localDescription.sdp;
          const frag = `a=ice-ufrag:${/a=ice-ufrag:(\S+)/.exec(sdp)[1]}\r\na=ice-pwd:${/a=ice-pwd:(\S+)/.exec(sdp)[1]}\r\n`;
          return reply(res, 200, { 'Content-Type': 'application/trickle-ice-sdpfrag', ETag: entry.etag }, frag);
        }
        if (req.headers['if-match'] !== entry.etag) return reply(res, 412);
        let mid = '0';
        for (const line of body.split(/\r?\n/)) {
          if (line.startsWith('a=mid:')) mid = line.slice(6);
          // Not awaited: werift may take its time over a candidate it cannot use.
          if (line.startsWith('a=candidate:'))
            void Promise.resolve(entry.pc.addIceCandidate({ candidate: line.slice(2), sdpMid: mid })).catch(() => {});
        }
        return reply(res, 204);
      }
      return reply(res, 405);
    } catch (error) {
      reply(res, 500, {}, String(error?.message ?? error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    token,
    log,
    /** RTP packets the media side received from publishers, per kind. */
    received: () => {
      const counts = { audio: 0, video: 0 };
      for (const { publisher } of streams.values())
        for (const kind of ['audio', 'video']) counts[kind] += publisher?.tracks[kind]?.packetCount ?? 0;
      return counts;
    },
    close: async () => {
      for (const { pc } of resources.values()) {
        if (pc.viewer) clearInterval(pc.viewer.timer);
        await pc.close().catch(() => {});
      }
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
