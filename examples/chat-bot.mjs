#!/usr/bin/env node
// A chat bot in Node: the rtc-elements engine over werift's RTCPeerConnection joins a room of the
// reference server, and answers every text that an <rtc-call> page sends on its
// <rtc-data-channel label="chat">. One call at a time: when a call ends, it waits for the next.
//
//   node examples/chat-bot.mjs ws://127.0.0.1:8787 my-room
//
// Needs `werift` and `ws` (npm install werift ws).
import { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';
// channelIdFor: the id <rtc-data-channel label> uses for its negotiated channel ("chat" is 427).
import { SignalingSession, WebRtcClient, WebSocketSignaler, channelIdFor } from 'rtc-elements';

/**
 * werift advertises `max-message-size` 64 KiB unless told otherwise; browsers then refuse to send
 * it anything larger (`message-too-big`). The bot accepts what Chromium does: 256 KiB.
 */
class PeerConnection extends RTCPeerConnection {
  constructor(config) {
    super({ ...config, maxMessageSize: 256 * 1024 });
  }
}

/** Starts the bot; `reply(text)` makes the answer. Returns `{id, close()}` once it is in the room. */
export async function startChatBot({
  url,
  room,
  label = 'chat',
  reply = (text) => `bot heard: ${text}`,
  log = () => {},
}) {
  const client = new WebRtcClient({ RTCPeerConnection: PeerConnection });
  const signaler = new WebSocketSignaler(url, { room, WebSocket });
  signaler.addEventListener('error', (e) => log(`signaling: ${e.detail.error.message}`));
  await signaler.whenOpen();
  let closed = false;
  let session;

  const nextCall = () => {
    if (closed) return;
    const connection = client.createPeerConnection();
    // Declared before the session starts: its first hello says it has something to negotiate.
    const channel = connection.createDataChannel(label, { negotiated: true, id: channelIdFor(label) });
    session = new SignalingSession(connection, signaler);
    session.addEventListener('peer', (e) => log(`call with ${e.detail.id}`));
    session.addEventListener('error', (e) => log(`session: ${e.detail.error.message}`));
    session.addEventListener('close', (e) => {
      log(`call ended: ${e.detail.reason}`);
      nextCall();
    });
    session.start();
    void (async () => {
      try {
        for await (const message of channel) {
          if (typeof message === 'string') await channel.send(reply(message));
        }
      } catch (error) {
        log(`channel: ${error.message}`);
      }
    })();
  };
  nextCall();
  return {
    id: signaler.peerId,
    close() {
      closed = true;
      session?.hangUp('bot-closed');
      signaler.close();
      client.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url = 'ws://127.0.0.1:8787', room = 'default'] = process.argv.slice(2);
  const bot = await startChatBot({ url, room, log: (line) => console.log(line) });
  console.log(`chat bot ${bot.id} in room ${room}`);
  const stop = () => {
    bot.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
