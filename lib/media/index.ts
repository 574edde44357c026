// Public surface of the media library: pure functions over bytes, no routes, storage or objects.
export { detectMedia, type DetectedMedia, type MediaKind } from "./detect";
export { processImage, type ProcessedImage, type ImageOptions, type ImageVariant } from "./image";
export { processProfileImage, type ProcessedProfileImage, type ProfileImageKind } from "./profile-image";
export { MEDIA_LIMITS, type MediaLimits } from "./limits";
export type { MediaResult } from "./result";
export { readContainerInfo, scrubContainerMetadata, type ContainerInfo, type ScrubReport, type ContainerLimits } from "./container";
