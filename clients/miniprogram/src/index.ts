export * from "./client";
export type * from "./wx";
export type { paths, components, operations } from "./generated/openapi";
export type * from "./generated/realtime";
export { CLIENT_ID_IN_BODY } from "./generated/writes";
