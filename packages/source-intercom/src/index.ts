export {
  INTERCOM_LAYOUT_STREAMS,
  INTERCOM_LAYOUTS,
  intercomObjectName,
  withIntercomLayout,
} from "./layout.js";
export { type IntercomRegion, type IntercomSourceOptions, REGION_HOSTS } from "./options.js";
export { INTERCOM_STREAMS, intercomSource } from "./source.js";
