import { useState } from 'preact/hooks';

interface Props {
  onSubmit(username: string, password: string, register: boolean): Promise<void>;
}

export function Login({ onSubmit }: Props) {
  const [register, setRegister] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await onSubmit(String(form.get('username')), String(form.get('password')), register);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{register ? 'Create an account' : 'Sign in'}</h1>
        <label>
          Username
          <input name="username" autoComplete="username" required minLength={3} maxLength={32} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={register ? 'new-password' : 'current-password'}
            required
            minLength={8}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {register ? 'Create account' : 'Sign in'}
        </button>
        <button type="button" class="link" onClick={() => setRegister(!register)}>
          {register ? 'I have an account' : 'Create an account'}
        </button>
      </form>
    </main>
  );
}
