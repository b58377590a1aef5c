import { useEffect, useState } from 'preact/hooks';
import { login, type Session } from '../api';
import { navigate } from '../router';

export const SETUP_PATH = '/setup';

interface SetupStatus {
  readonly firstOperatorNeeded: boolean;
  readonly setupCodeNeeded: boolean;
}

async function setupStatus(): Promise<SetupStatus> {
  const response = await fetch('/api/setup', { cache: 'no-store' });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return (await response.json()) as SetupStatus;
}

/** While the engine has no user, a signed-out console goes to the one-time setup screen. */
export function useFirstRunRedirect(signedOut: boolean, pathname: string): void {
  useEffect(() => {
    if (!signedOut || pathname === SETUP_PATH) return;
    setupStatus()
      .then((status) => status.firstOperatorNeeded && navigate(SETUP_PATH, true))
      .catch(() => undefined);
  }, [signedOut]);
}

async function createFirstOperator(fields: Record<string, string>, setupCode: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (setupCode.trim()) headers['x-osteon-setup-code'] = setupCode.trim();
  const response = await fetch('/api/setup/first-operator', { method: 'POST', headers, body: JSON.stringify(fields) });
  if (response.ok) return;
  let message = `${response.status} ${response.statusText}`;
  try {
    const problem = (await response.json()) as { detail?: string; message?: unknown };
    message = problem.detail ?? String(problem.message ?? message);
  } catch {
    // not JSON: keep the status line
  }
  throw new Error(message);
}

/** First run: create the first operator (only while the engine has no user at all). */
export function FirstOperator({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [status, setStatus] = useState<SetupStatus>();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [setupCode, setSetupCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setupStatus()
      .then(setStatus)
      .catch((caught: Error) => setError(caught.message));
  }, []);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await createFirstOperator({ username: username.trim(), displayName: displayName.trim(), password }, setupCode);
      onSignedIn(await login(username.trim(), password));
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };

  if (status && !status.firstOperatorNeeded) {
    return (
      <main id="main" class="login">
        <h1>Osteon is set up</h1>
        <p>The first operator exists. Accounts are created by an operator.</p>
        <a href="/" onClick={(event) => (event.preventDefault(), navigate('/', true))}>
          Sign in
        </a>
      </main>
    );
  }

  return (
    <main id="main" class="login">
      <h1>Welcome to Osteon</h1>
      <p class="muted">Create the first operator. This screen is shown once: afterwards operators create accounts.</p>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'setup-error' : undefined}>
        <label for="setup-username">User name</label>
        <input
          id="setup-username"
          autoComplete="username"
          required
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="setup-display-name">Display name</label>
        <input id="setup-display-name" required value={displayName} onInput={(event) => setDisplayName(event.currentTarget.value)} />
        <label for="setup-password">Password (12 or more characters, not easy to guess)</label>
        <input
          id="setup-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        {status?.setupCodeNeeded && (
          <>
            <label for="setup-code">Setup code (printed in the engine's start-up log)</label>
            <input id="setup-code" required value={setupCode} onInput={(event) => setSetupCode(event.currentTarget.value)} />
          </>
        )}
        {error && (
          <p id="setup-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !status}>
          {busy ? 'Creating…' : 'Create operator and sign in'}
        </button>
      </form>
    </main>
  );
}
