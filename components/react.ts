// Types only, for TSX: the three tags in React 19's JSX, with their properties, their kebab-case
// attributes and typed `onrtc-*` handlers. Load it once in the app: `import type {} from 'rtc-elements/react'`.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { RtcEvent, RtcEventName } from './events.js';
import type { RtcCall } from './rtc-call/rtc-call.js';
import type { RtcDataChannel } from './rtc-data-channel/rtc-data-channel.js';
import type { RtcVideo } from './rtc-video/rtc-video.js';

/**
 * `onrtc-message={(e) => e.detail.data}`: React 19 listens for the event named after `on`. Every
 * element takes every `rtc-*` event: they bubble, so a call hears its channels' events too (a
 * channel's end and failures are `rtc-channel-close` / `rtc-channel-error`, never the call's `rtc-close` /
 * `rtc-error`).
 */
export type RtcEventHandlers = { [K in RtcEventName as `on${K}`]?: (event: RtcEvent<K>) => void };

/**
 * What a tag takes in TSX: the HTML attributes, `ref`, the element's properties `P` (React 19 sets
 * a prop the element has as a property, so with the property's type), its kebab-case attributes
 * `A` (set as attributes) and the `onrtc-*` handlers.
 */
export type RtcElementProps<E extends HTMLElement, P extends keyof E, A extends string = never> = DetailedHTMLProps<
  HTMLAttributes<E>,
  E
> &
  Partial<Pick<E, P>> & { [K in A]?: string | number } & RtcEventHandlers;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'rtc-call': RtcElementProps<
        RtcCall,
        | 'signaling'
        | 'room'
        | 'iceServers'
        | 'audio'
        | 'video'
        | 'manual'
        | 'statsInterval'
        | 'screen'
        | 'mesh'
        | 'token'
        | 'signaler'
        | 'client',
        'ice-servers' | 'stats-interval'
      >;
      'rtc-data-channel': RtcElementProps<
        RtcDataChannel,
        | 'label'
        | 'ordered'
        | 'maxRetransmits'
        | 'maxPacketLifeTime'
        | 'protocol'
        | 'channelId'
        | 'call'
        | 'fragment'
        | 'files'
        | 'receiveQueueBytes',
        'max-retransmits' | 'max-packet-life-time' | 'channel-id' | 'receive-queue-bytes'
      >;
      'rtc-video': RtcElementProps<
        RtcVideo,
        'local' | 'remote' | 'muted' | 'mirror' | 'fit' | 'label' | 'call' | 'peer' | 'stream' | 'track'
      >;
    }
  }
}
