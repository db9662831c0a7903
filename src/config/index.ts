// The configuration module's public face.
export { loadIpsecConf, parseIpsecConfText } from './load';
export type { LoadOptions, ParseOptions } from './load';
export { ConfigError, ConfigLoadError } from './errors';
export type { Origin } from './errors';
export type { ConfigSetup, ConnectionConfig, EndConfig, LoadedConfig, OptionValue, Side } from './model';
export { validateExternalValues } from './external-values';
export { writeConfigText, writeConfigJson } from './writer';
export { OptionMap } from './option-map';
