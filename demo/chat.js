// A text chat over one data channel, like Ktor's ktor-chat sample. Remote text is untrusted: it
// is only ever set as textContent, never as HTML.
await customElements.whenDefined('rtc-call');
const $ = (id) => document.getElementById(id);
const call = $('call');
const chat = $('chat');
const room = new URLSearchParams(location.search).get('room') || 'chat';
call.room = room;
$('room').textContent = room;

function show(text, mine) {
  const item = document.createElement('li');
  item.className = mine ? 'me' : 'them';
  item.textContent = `${mine ? 'me' : 'them'}: ${text}`;
  $('log').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

chat.addEventListener('rtc-open', () => {
  $('status').textContent = 'connected';
});
chat.addEventListener('rtc-channel-close', () => {
  $('status').textContent = 'waiting for someone';
});
chat.addEventListener('rtc-message', (e) => {
  const data = e.detail.data;
  show(typeof data === 'string' ? data.slice(0, 2000) : `(${data.byteLength} bytes)`, false);
});
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text) return;
  $('text').value = '';
  show(text, true);
  try {
    await chat.send(text); // waits until someone is there
  } catch (error) {
    show(`not sent: ${error.message}`, true);
  }
});
void call.start();
