export { decide, type ExclusionIndex, type InspectOptions, indexExclusions, inspect } from "./engine.ts";
export {
  DEFAULT_LIMITS,
  DEFAULT_POLICY,
  environmentModes,
  mergePolicy,
  PAGE_EXCLUSIONS,
  parseWafMode,
} from "./policy.ts";
export * from "./types.ts";
