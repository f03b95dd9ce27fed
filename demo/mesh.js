await customElements.whenDefined('rtc-call');
const call = document.getElementById('call');
call.room = new URLSearchParams(location.search).get('room') || 'mesh';
call.addEventListener('rtc-streams', () => {
  document.getElementById('count').textContent = String(call.peers.length);
});
void call.start();
