import { unsafeCSS } from '@lit/reactive-element';

// unsafeCSS, not css``: the same for constant text, and the bundle then needs no css`` tag (its checks of
// interpolated values are Lit's largest strings).
export const styles = unsafeCSS(`
  :host {
    display: inline-block;
    position: relative;
    width: var(--rtc-video-width, 320px);
    aspect-ratio: var(--rtc-video-aspect-ratio, 4/3);
    background: var(--rtc-video-background, #111);
    color: var(--rtc-video-color, #ddd);
    overflow: hidden;
  }
  :host([hidden]) { display: none; }
  video {
    display: block;
    width: 100%;
    height: 100%;
  }
  :host([mirror]) video { transform: scaleX(-1); }
  [part=placeholder] {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    font: var(--rtc-video-font, 14px system-ui, sans-serif);
  }
`);
