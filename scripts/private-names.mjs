/**
 * Private members renamed in the script-tag bundle (terser property mangling, scripts/build.mjs).
 * Only names that are private in our classes and are no public, native or `detail` property
 * anywhere: the list is explicit so that nothing public can be renamed by accident, and
 * test/node/bundle-size.test.mjs checks it against the public type declarations. Each file is
 * mangled on its own, so a name used across the main file and a lazy sibling (the mesh's host,
 * say) must not be listed.
 */
export const PRIVATE_NAMES = `_channel _localStream _remoteStreams activeRoom adoptChannel applyCandidate assertOpen
  attemptTimer bufferDrained canSend closeReason closeReasons closeWith closedError createTrack
  currentState deliverNegotiationNeeded disconnectedTimer emitStats findCall fireStreams
  flushPendingCandidates hasRelayCandidate ignoreOffer localTracks makeSignaler makingOffer
  inSendOrder negotiatedSinceRestart negotiationListeners onceNegotiationListeners negotiationNeeded newSession onDescription onDeviceChange
  onNativeClose onNativeMessage onNegotiationNeeded onRemoteMute onSessionClose onStateChange onStats onStreams
  onTrackChange openLocalMedia openWaiters ownedClient ownedSignaler pendingCandidates pendingSends politeTimer
  queuedBytes reassembler remoteFound remoteMuted remoteOfferOrTimeout remoteTracks replaceLocal replayLimit
  reportBad reportClose reportRemovedTrack reportRemovedTracks restartPolicy restartSoon retryTimer
  scheduleReconnect expiryTimer screenTrack sendChain sendFailed sendInPieces sendWhenReady settingRemoteAnswer
  sharedLocalStream sizeToSend statsFailure messageLimit statsTimer swap addSender liveSessions callSessions listenAll syncDevice senderOn deviceWork openDevice waitingForRemote whenRemoteKnown
  wrapSender receivers mismatch held settingsRead leftPage readSetting letGo startScope remoteNegotiates heardHello otherOffersFirst sayHello firstOfferDue turnError relaySeen relayTimer watchRelay checkRelay turnRefused takeIceServers attachFiles fileTransfer flushCandidates localSdp remoteSdp loadFileTransfer
  meshPeers onBytes onFile onProgress patchCandidates sdpfrag startMesh
  pendingSends adopt createTrack handle shutdown follow refresh checkVideo watch unsubscribe pump overflow emit
  take wake history dropped waiters joined starting session report connect flush found inbox senders tracks
  connections channels fire closed ended meshChannels reported stopped watched hangUps openUnlessHungUp queueFull drainBuffer bufferedBound
  describing firstOfferDue heldTrackStates sendLocalDescription activeClient onTrack onIceCandidate onChange listeners
  settingRemote watchingDevices deviceSource attemptLimit disconnectedMs attemptMs pieceLimit usableDevices videoBox placeholderBox detachAll mutedKinds keepMuted saidMuted listenHost listened checkTimer`.split(/\s+/);
