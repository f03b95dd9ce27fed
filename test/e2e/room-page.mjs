// A room page for end-to-end tests and the upload benchmark: one <rtc-call> from the script-tag
// bundle, in a mesh (the reference server) or an SFU room (Janus), chosen by the query string.
/** `/room.html?mode=mesh|sfu&room=R[&janus=ws://…]`: what the test serves. */
export const ROOM_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>room</title>
<script type="module" src="/dist/rtc-elements.js"></script>
<script type="module">
  const query = new URLSearchParams(location.search);
  const call = document.createElement('rtc-call');
  const sfu = query.get('mode') === 'sfu';
  if (sfu) call.setAttribute('sfu', 'janus');
  else call.setAttribute('mesh', '');
  call.setAttribute('signaling', sfu ? query.get('janus') : '/');
  call.setAttribute('room', query.get('room'));
  call.setAttribute('video', '');
  call.setAttribute('stats-interval', '1000');
  call.innerHTML = '<rtc-data-channel label="chat"></rtc-data-channel><div data-rtc-videos></div>';
  // Bytes sent so far on each of the call's connections (the last rtc-stats of each).
  window.__sent = {};
  call.addEventListener('rtc-stats', (e) => { window.__sent[e.detail.peer ?? ''] = e.detail.statistics.summary.bytesSent; });
  window.__messages = [];
  call.addEventListener('rtc-message', (e) => window.__messages.push(e.detail.data));
  document.body.append(call);
</script></head><body></body></html>`;

/** How many remote videos the page shows, and how many of them decode frames. */
export function remoteVideos(page) {
  return page.evaluate(() => {
    const videos = [...document.querySelectorAll('rtc-video[remote][peer]')].map((v) =>
      v.shadowRoot?.querySelector('video'),
    );
    return { shown: videos.length, playing: videos.filter((v) => v && v.videoWidth > 0 && v.currentTime > 0).length };
  });
}

/** Bytes the page has sent so far, over all its connections. */
export function bytesSent(page) {
  return page.evaluate(() => Object.values(window.__sent).reduce((a, b) => a + b, 0));
}
