export {
  type AgentSecretsPort,
  agentSecretNames,
  createAgentSecretsPort,
  maskedAgentSecrets,
  replaceAgentSecrets,
  requestedSecrets,
  SECRET_MASK,
  validateSecrets,
} from "./agent-secrets.js";
export { rotateSecretKey } from "./rotate.js";
export {
  createSecretBox,
  randomSecretKey,
  type SecretBox,
  type SecretKey,
  secretKeyFrom,
} from "./secret-box.js";
export {
  loadSecretKey,
  loadSecretKeys,
  NEXT_SECRET_KEY_FILE,
  parseSecretKey,
  promoteNextSecretKeyFile,
  SECRET_KEY_FILE,
  type SecretKeySource,
  writeSecretKeyFile,
} from "./secret-key.js";
