// The call demo's controls. The room comes from ?room= (default "demo").
await customElements.whenDefined('rtc-call');
const $ = (id) => document.getElementById(id);
const call = $('call');
const room = new URLSearchParams(location.search).get('room') || 'demo';
call.room = room;
$('room').textContent = room;

call.addEventListener('rtc-statechange', (e) => { $('state').textContent = e.detail.state; });
call.addEventListener('rtc-close', (e) => { if (e.target === call) $('state').textContent = `closed (${e.detail.reason})`; });
call.addEventListener('rtc-error', (e) => { $('error').textContent = `${e.detail.code}: ${e.detail.error.message}`; });

function toggle(button, kind, on, off) {
  button.addEventListener('click', () => {
    const tracks = call.localStream?.getTracks().filter((t) => t.kind === kind) ?? [];
    const disable = button.getAttribute('aria-pressed') !== 'true';
    for (const track of tracks) track.enabled = !disable;
    button.setAttribute('aria-pressed', String(disable));
    button.textContent = disable ? on : off;
  });
}
toggle($('mute'), 'audio', 'Unmute microphone', 'Mute microphone');
toggle($('camera'), 'video', 'Turn camera on', 'Turn camera off');
$('hangup').addEventListener('click', () => {
  call.hangUp();
  $('hangup').hidden = true;
  $('join').hidden = false;
});
$('join').addEventListener('click', () => {
  void call.start();
  $('hangup').hidden = false;
  $('join').hidden = true;
});
void call.start();
