import { expect } from '@open-wc/testing';

type ErrorClass = new (first: string, ...rest: unknown[]) => Error;

/** Every error class of the engine, with a way to make one (their constructors differ). */
const MAKE: Record<string, (type: ErrorClass) => Error> = {
  WebRtcError: (type) => new type('sdp', 'm'),
  SdpError: (type) => new type('m'),
  IceError: (type) => new type('m'),
  DataChannelClosedError: (type) => new type('m'),
  DataChannelError: (type) => new type('m'),
  MediaDeviceError: (type) => new type('m'),
  MediaPermissionError: (type) => new type('m'),
  ClientClosedError: (type) => new type('m'),
  ConnectionClosedError: (type) => new type('m'),
  TrackError: (type) => new type('m'),
  ConfigError: (type) => new type('m'),
  SignalingError: (type) => new type('m'),
  LoadError: (type) => new type('statistics', new Error('m')),
};

// The script-tag bundle as a page without a build step loads it, and the package's ESM entry (`npm run build` makes
// both).
const BUNDLE = '/dist/rtc-elements.js';
const ENGINE = '/dist/src/index.js';

describe("the script-tag bundle's errors", () => {
  it('exports every error class of the engine', async () => {
    const bundle = await import(BUNDLE);
    const missing = Object.keys(MAKE).filter((name) => typeof bundle[name] !== 'function');
    expect(missing).to.deep.equal([]);
  });

  it('makes errors that are instanceof their class and of WebRtcError', async () => {
    const bundle = await import(BUNDLE);
    const wrong = Object.entries(MAKE)
      .filter(([name, make]) => {
        const error = make(bundle[name]);
        return !(error instanceof bundle[name] && error instanceof bundle.WebRtcError && error instanceof Error);
      })
      .map(([name]) => name);
    expect(wrong).to.deep.equal([]);
  });

  it("keeps the class names through minification, the same as the ESM engine's", async () => {
    const [bundle, engine] = await Promise.all([import(BUNDLE), import(ENGINE)]);
    const names = Object.fromEntries(Object.entries(MAKE).map(([name, make]) => [name, make(bundle[name]).name]));
    const engineNames = Object.fromEntries(Object.entries(MAKE).map(([name, make]) => [name, make(engine[name]).name]));
    const expected = Object.fromEntries(Object.keys(MAKE).map((name) => [name, name]));
    expect(names, 'the bundle').to.deep.equal(expected);
    expect(engineNames, 'the ESM engine').to.deep.equal(expected);
  });

  it("keeps the classes' own names (Function.name) through minification", async () => {
    const bundle = await import(BUNDLE);
    const names = Object.fromEntries(Object.keys(MAKE).map((name) => [name, bundle[name].name]));
    expect(names).to.deep.equal(Object.fromEntries(Object.keys(MAKE).map((name) => [name, name])));
  });

  it("gives a subclass of the page's own its subclass's name", async () => {
    const bundle = await import(BUNDLE);
    class NotSentError extends (bundle.DataChannelClosedError as new (message: string) => Error) {}
    expect(new NotSentError('m').name).to.equal('NotSentError');
  });

  it('prints the class name first, as consoles show an error', async () => {
    const bundle = await import(BUNDLE);
    expect(String(new bundle.DataChannelClosedError('Cannot send'))).to.equal('DataChannelClosedError: Cannot send');
  });
});
