await customElements.whenDefined('rtc-call');
const call = document.getElementById('call');
call.room = new URLSearchParams(location.search).get('room') || 'csp';
document.querySelector('rtc-data-channel').addEventListener('rtc-message', (e) => {
  const item = document.createElement('li');
  item.textContent = String(e.detail.data);
  document.getElementById('log').append(item);
});
void call.start();
