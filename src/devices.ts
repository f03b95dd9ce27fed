/**
 * Device lists and screen capture: loaded when first used (most calls open a camera and a
 * microphone, and neither list nor share). A sibling file of the script-tag bundle.
 */
import { toMediaError, toMediaTrackConstraints } from './media.js';
// The client maps getUserMedia failures with it too: only failures need it.
export { toMediaError };
import type { MediaDeviceDescription, MediaSource, ScreenTrackConstraints } from './client.js';

/** Cameras, microphones and speakers of `source` (of one kind, if given). */
export async function listDevices(source: MediaSource, kind?: MediaDeviceKind): Promise<MediaDeviceDescription[]> {
  if (!source.enumerateDevices) return [];
  const all = await source.enumerateDevices();
  return all
    .filter((d) => !kind || d.kind === kind)
    .map((d) => ({ deviceId: d.deviceId, kind: d.kind, label: d.label, groupId: d.groupId }));
}

/** The video track of a screen, window or tab the user picks (`getDisplayMedia`), or undefined if it gave none. */
export async function screenTrack(
  source: MediaSource,
  constraints: ScreenTrackConstraints,
): Promise<MediaStreamTrack | undefined> {
  if (!source.getDisplayMedia)
    throw toMediaError(new DOMException('No screen capture here', 'NotFoundError'), 'screen');
  const { preferCurrentTab, ...video } = constraints;
  try {
    const stream = await source.getDisplayMedia({
      video: Object.keys(video).length ? toMediaTrackConstraints(video) : true,
      audio: false,
      ...(preferCurrentTab ? { preferCurrentTab } : {}),
    } as DisplayMediaStreamOptions);
    return stream.getVideoTracks()[0];
  } catch (error) {
    throw toMediaError(error, 'screen');
  }
}
