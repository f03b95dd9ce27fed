// The elements inside a React 19 app (React from npm, bundled by `npm run build`). React 19
// passes properties to custom elements and listens to their events with `on` + the event name.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';

function App() {
  const room = new URLSearchParams(location.search).get('room') || 'react';
  const [state, setState] = useState('new');
  const [messages, setMessages] = useState([]);
  const [channel, setChannel] = useState(null);
  const [text, setText] = useState('');
  const add = (who, message) => setMessages((list) => [...list, { who, message, key: list.length }]);

  return (
    <>
      <h1>rtc-elements in React</h1>
      <p>Room {room}; connection <output aria-live="polite">{state}</output></p>
      <rtc-call signaling="/" room={room} video onrtc-statechange={(e) => setState(e.detail.state)}>
        <div className="videos">
          <rtc-video local mirror label="My camera"></rtc-video>
          <rtc-video remote label="The other person"></rtc-video>
        </div>
        <rtc-data-channel
          label="chat"
          ref={setChannel}
          onrtc-message={(e) => add('them', typeof e.detail.data === 'string' ? e.detail.data : '(bytes)')}
        ></rtc-data-channel>
      </rtc-call>
      <ul id="log" aria-label="Messages">
        {messages.map((m) => <li key={m.key} className={m.who === 'me' ? 'me' : 'them'}>{m.who}: {m.message}</li>)}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); if (!text) return; add('me', text); channel?.send(text); setText(''); }}>
        <label htmlFor="text">Message</label>
        <input id="text" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Send</button>
      </form>
    </>
  );
}

createRoot(document.getElementById('app')).render(<App />);
