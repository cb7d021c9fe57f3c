import { MemoryStateBackend } from "./memory-state-backend.js";
import { stateBackendConformance } from "./state-backend-conformance.js";

stateBackendConformance("memory", () => new MemoryStateBackend());
