/** The deployment checks need their tools: installed once before the `deploy` project runs. */
import { ensureTools } from './tools';

export default function globalSetup(): void {
  ensureTools();
}
