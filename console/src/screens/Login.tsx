import { useState } from 'preact/hooks';
import { login, type Session } from '../api';

export function Login({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await login(username.trim(), password));
    } catch (caught) {
      setError((caught as Error).message === 'Unauthorized' ? 'Wrong user name or password.' : (caught as Error).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>Osteon</h1>
      <p class="muted">Emergency X-ray console</p>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'login-error' : undefined}>
        <label for="username">User name</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        {error && (
          <p id="login-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
