// The call demo's controls. The room comes from ?room= (default "demo").
await customElements.whenDefined('rtc-call');
const $ = (id) => document.getElementById(id);
const call = $('call');
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'demo';
call.room = room;
// ?policy=relay sends everything through the TURN server (npm start -- --coturn).
if (params.get('policy')) call.iceTransportPolicy = params.get('policy');
$('room').textContent = room;

call.addEventListener('rtc-statechange', (e) => {
  $('state').textContent = e.detail.state;
});
call.addEventListener('rtc-close', (e) => {
  // Unless we hung up, the call stays in its room and the next peer to come connects.
  const waiting = !$('hangup').hidden;
  $('state').textContent = waiting ? `the other side left (${e.detail.reason}): waiting for someone` : 'hung up';
});
call.addEventListener('rtc-error', (e) => {
  $('error').textContent = `${e.detail.code}: ${e.detail.error.message}`;
});

/** A toggle button: `aria-pressed` says whether it is on; `apply(pressed)` does the work. */
function toggle(button, on, off, apply) {
  button.addEventListener('click', () => {
    const pressed = button.getAttribute('aria-pressed') !== 'true';
    apply(pressed);
    button.setAttribute('aria-pressed', String(pressed));
    button.textContent = pressed ? on : off;
  });
}
// Muting keeps the microphone open and tells the other side (rtc-mute there).
toggle($('mute'), 'Unmute microphone', 'Mute microphone', (muted) => call.setMuted('audio', muted));
// Turning the camera off releases it (its light goes off); on opens it again.
toggle($('camera'), 'Turn camera on', 'Turn camera off', (off) => {
  call.video = !off;
});
$('hangup').addEventListener('click', () => {
  // Hidden first: rtc-close fires within hangUp(), and reads it.
  $('hangup').hidden = true;
  $('join').hidden = false;
  call.hangUp();
});
$('join').addEventListener('click', () => {
  void call.start();
  $('hangup').hidden = false;
  $('join').hidden = true;
});
void call.start();
