// The elements inside a React 19 app in TSX (React from npm, bundled by `npm run build`). React 19
// passes properties to custom elements and listens to their events with `on` + the event name;
// `rtc-elements/react` types both (`npm test` type-checks this file).
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import type {} from '../../components/react.js';
import type { RtcDataChannel } from '../../components/index.js';

interface Message {
  who: 'me' | 'them';
  message: string;
  key: number;
}

function App() {
  const room = new URLSearchParams(location.search).get('room') || 'react';
  const [state, setState] = useState('new');
  const [messages, setMessages] = useState<Message[]>([]);
  const [channel, setChannel] = useState<RtcDataChannel | null>(null);
  const [text, setText] = useState('');
  const add = (who: Message['who'], message: string) =>
    setMessages((list) => [...list, { who, message, key: list.length }]);

  return (
    <>
      <h1>rtc-elements in React</h1>
      <p>
        Room {room}; connection <output aria-live="polite">{state}</output>
      </p>
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
        {messages.map((m) => (
          <li key={m.key} className={m.who === 'me' ? 'me' : 'them'}>
            {m.who}: {m.message}
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!text) return;
          add('me', text);
          channel?.send(text).catch((error) => add('me', `(not sent: ${error.message})`));
          setText('');
        }}
      >
        <label htmlFor="text">Message</label>
        <input id="text" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Send</button>
      </form>
    </>
  );
}

createRoot(document.getElementById('app')!).render(<App />);
