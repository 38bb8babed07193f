/**
 * The settings table and the one typed configuration object, validated at start.
 *
 * What other folders may import from src/config/; its other files are internal (eslint.config.js).
 */
export {
  type Config,
  type ConfigOverrides,
  type KafkaConfig,
  loadConfig,
  type MongoConfig,
} from './config.ts';
export { settingsDoc } from './settings-doc.ts';
export { flagDefault, maskUriCredentials, SETTINGS } from './settings.ts';
