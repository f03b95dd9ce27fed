// Type tests for `rtc-elements/react`, checked by `npm run typecheck` (part of `npm test`): the
// lines under @ts-expect-error must fail to compile, the rest must compile.
import type {} from '../../components/react.js';
import type { RtcCall, RtcDataChannel, RtcVideo } from '../../components/index.js';
import { createSignalerPair, type DataChannelMessage } from '../../src/index.js';

export function Call() {
  const [signaler] = createSignalerPair();
  return (
    <rtc-call
      signaling="/"
      room="r"
      video
      ice-servers="stun:stun.example"
      statsInterval={1000}
      className="call"
      ref={(call: RtcCall | null) => void call?.start()}
      onrtc-statechange={(e) => {
        const state: RTCPeerConnectionState = e.detail.state;
        return state;
      }}
      onrtc-message={(e) => {
        const data: DataChannelMessage = e.detail.data;
        return data;
      }}
    >
      <rtc-data-channel
        label="chat"
        max-retransmits={0}
        ordered={false}
        receive-queue-bytes={32 * 1024 * 1024}
        ref={(channel: RtcDataChannel | null) => void channel?.send('hi')}
        onrtc-channel-close={(e) => {
          const reason: string = e.detail.reason;
          return reason;
        }}
        onrtc-channel-error={(e) => e.detail.error.code}
      />
      <rtc-video remote fit="cover" peer="p1" ref={(video: RtcVideo | null) => void video?.videoElement} />
      <rtc-call manual signaler={signaler} onrtc-error={(e) => e.detail.error.code} />
    </rtc-call>
  );
}

export function Mistakes() {
  return (
    <>
      {/* @ts-expect-error a channel's label is a string */}
      <rtc-data-channel label={3} />
      {/* @ts-expect-error `video` is a boolean */}
      <rtc-call video="yes" />
      {/* @ts-expect-error the handler gets this event's detail: rtc-open has no state */}
      <rtc-data-channel onrtc-open={(e: CustomEvent<{ state: string }>) => e} />
      {/* @ts-expect-error no such property */}
      <rtc-video src="x.webm" />
      {/* @ts-expect-error a signaler is an object with send and subscribe */}
      <rtc-call signaler="ws://localhost" />
    </>
  );
}
