import { ReactiveElement, type PropertyValues } from '@lit/reactive-element';
import { CallFinder } from '../call-of.js';
import { styles } from './rtc-video.styles.js';

const FITS = new Set(['contain', 'cover', 'fill', 'none', 'scale-down']);
/** How often a shown stream is looked at: the page's own addTrack, removeTrack and track.stop() fire no event. */
const CHECK_MS = 250;

/** An element with attributes, made with the DOM: no HTML is parsed, so nothing needs a Trusted Types policy. */
function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/**
 * Shows a stream: the call's camera (`local`), the remote peer's video (`remote`), or a `stream` or
 * `track` you give it. Shows a placeholder while there is no live video: none, stopped, muted, or
 * muted by the call's peer (its camera turned off). A given stream is followed as the page changes it.
 *
 * @tag rtc-video
 * @summary A video view of a local or remote stream.
 * @attr local - Show the enclosing call's local stream (always muted).
 * @attr remote - Show the enclosing call's first remote stream.
 * @attr muted - Mute the audio.
 * @attr mirror - Flip horizontally (a selfie view).
 * @attr fit - How the video fills the box: contain (default), cover, fill, none, scale-down.
 * @attr label - The accessible name of the video (default "Local video" or "Remote video").
 * @attr call - The id of the `<rtc-call>` to follow, when this element is not inside it (in the same document or shadow
 * root; found also when it comes later in the page or replaces the one named).
 * @attr peer - In a mesh call, the remote peer whose stream to show.
 * @prop {MediaStream | null} stream - A stream to show instead of the call's.
 * @prop {MediaStreamTrack | null} track - A track to show instead of the call's.
 * @csspart video - The `<video>` element.
 * @csspart placeholder - What shows while there is no live, unmuted video.
 * @cssprop --rtc-video-width - Width (default 320px).
 * @cssprop --rtc-video-aspect-ratio - Aspect ratio (default 4 / 3).
 * @cssprop --rtc-video-background - Background (default #111).
 * @cssprop --rtc-video-color - The placeholder's text colour (default #ddd).
 * @cssprop --rtc-video-font - The placeholder's font (default 14px system-ui, sans-serif).
 * @slot placeholder - Replaces the default placeholder text.
 */
export class RtcVideo extends ReactiveElement {
  // Declared here rather than with decorators (no decorator code in the bundle); the fields below
  // give the defaults, through Lit's accessors since useDefineForClassFields is false.
  static override properties = {
    local: { type: Boolean, reflect: true },
    remote: { type: Boolean, reflect: true },
    muted: { type: Boolean },
    mirror: { type: Boolean, reflect: true },
    fit: {},
    label: {},
    call: {},
    peer: {},
    stream: { attribute: false },
    track: { attribute: false },
    shown: { state: true, attribute: false },
    hasVideo: { state: true, attribute: false },
  };
  static override styles = styles;

  local = false;
  remote = false;
  muted = false;
  mirror = false;
  fit = 'contain';
  label: string | null = null;
  call: string | null = null;
  /** In a mesh call, the remote peer whose stream to show. */
  peer: string | null = null;
  stream: MediaStream | null = null;
  track: MediaStreamTrack | null = null;

  private shown: MediaStream | null = null;
  private hasVideo = false;

  /**
   * The call followed: its streams, and its peer's mutes (a camera turned off sends nothing that mutes the track here).
   */
  readonly #finder = new CallFinder(this, (call, old) => {
    for (const type of ['rtc-streams', 'rtc-mute', 'rtc-unmute']) {
      old?.removeEventListener(type, this.#onStreams);
      call?.addEventListener(type, this.#onStreams);
    }
    this.#refresh();
  });
  // ReactiveElement, not LitElement: two elements made once and updated by hand cost less than lit-html.
  readonly #videoBox = make('video', { part: 'video', autoplay: '', playsinline: '' });
  readonly #placeholderBox = make(
    'div',
    { part: 'placeholder', role: 'img' },
    make('slot', { name: 'placeholder' }, 'No video'),
  );
  #watched: MediaStream | null = null;
  /** The stream and tracks our listeners are on. */
  #listened = new Set<EventTarget>();
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  readonly #onStreams = () => this.#refresh();
  readonly #onTrackChange = () => this.#checkVideo();

  constructor() {
    super();
    // A video track the page adds to the stream shows at once (the poll would take up to CHECK_MS).
    this.#videoBox.addEventListener('resize', this.#onTrackChange);
  }

  /** The `<video>` element (for `requestPictureInPicture`, say). */
  get videoElement(): HTMLVideoElement | null {
    return this.renderRoot ? this.#videoBox : null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#refresh();
    // Back in the page (moved, or re-added by a framework): the video lost its stream on leaving.
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#watch(null);
    this.shown = null; // back in the page, it starts again from its properties
    const video = this.videoElement;
    if (video) video.srcObject = null;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (
      changed.has('stream') ||
      changed.has('track') ||
      changed.has('local') ||
      changed.has('remote') ||
      changed.has('peer')
    )
      this.#refresh();
  }

  #refresh(): void {
    // Out of the page it shows nothing and watches nothing (no timer): coming back refreshes it.
    if (!this.isConnected) return;
    const call = this.#finder.call;
    let next: MediaStream | null = null;
    if (this.track) next = this.shown?.getTracks()[0] === this.track ? this.shown : new MediaStream([this.track]);
    else if (this.stream) next = this.stream;
    else if (call && this.local) next = call.localStream ?? null;
    else if (call && this.remote) next = call.streamForPeer?.(this.peer) ?? call.remoteStreams[0] ?? null;
    if (next !== this.shown) this.shown = next;
    this.#watch(next);
    this.#checkVideo();
  }

  /**
   * Follows tracks coming, going, muting and ending, to switch between video and placeholder: by
   * their events where the browser fires them (remote tracks), and by a look every CHECK_MS where it
   * does not (what the page does itself). `null` lets go of all of it.
   */
  #watch(stream: MediaStream | null): void {
    if (stream === this.#watched) return;
    this.#watched = stream;
    clearInterval(this.#checkTimer);
    this.#checkTimer = stream ? setInterval(this.#onTrackChange, CHECK_MS) : undefined;
    this.#listenAll();
  }

  /**
   * Puts our listeners on the watched stream and its tracks of now, and takes them off anything else (a removed track).
   */
  #listenAll(): void {
    const next = new Set<EventTarget>(this.#watched ? [this.#watched, ...this.#watched.getTracks()] : []);
    for (const target of new Set([...this.#listened, ...next])) {
      for (const type of ['addtrack', 'removetrack', 'mute', 'unmute', 'ended'])
        target[next.has(target) ? 'addEventListener' : 'removeEventListener'](type, this.#onTrackChange);
    }
    this.#listened = next;
  }

  #checkVideo(): void {
    this.#listenAll();
    this.hasVideo = !!this.shown
      ?.getVideoTracks()
      .some((t) => t.readyState === 'live' && !t.muted && !this.#finder.call?.isRemoteMuted(t));
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    root.append(this.#videoBox);
    return root;
  }

  protected override update(changed: PropertyValues): void {
    super.update(changed);
    const label = this.label ?? (this.local ? 'Local video' : this.remote ? 'Remote video' : 'Video');
    const video = this.#videoBox;
    const placeholder = this.#placeholderBox;
    // Through the CSSOM, which a strict CSP allows (it refuses style attributes in markup, not these).
    video.style.objectFit = FITS.has(this.fit) ? this.fit : 'contain';
    video.style.visibility = this.hasVideo ? '' : 'hidden';
    video.setAttribute('aria-label', label);
    // Only when ours changes: a mute from the video's own controls stays until then.
    if (changed.has('muted') || changed.has('local')) video.muted = this.muted || this.local;
    placeholder.setAttribute('aria-label', `${label}: no video`);
    if (this.hasVideo) placeholder.remove();
    else if (!placeholder.parentNode) this.renderRoot.append(placeholder);
    if (video.srcObject !== this.shown) {
      video.srcObject = this.shown;
      if (this.shown)
        video.play().catch(() => {
          /* autoplay refused: the controls of the page start it */
        });
    }
  }
}
