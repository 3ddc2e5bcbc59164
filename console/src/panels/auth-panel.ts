import { describeError } from '../api';
import { byId, byTestId, showError } from '../dom';
import type { Session } from '../session';

/** Log in and sign up forms. */
export function mountAuthPanel(session: Session): void {
  const login = byId<HTMLFormElement>('login-form');
  const loginError = byTestId(login, 'login-error');
  login.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(login);
    void submit(login, loginError, () => session.login(String(data.get('username') ?? '').trim(), String(data.get('password') ?? '')));
  });

  const signup = byId<HTMLFormElement>('signup-form');
  const signupError = byTestId(signup, 'signup-error');
  signup.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(signup);
    const invitationCode = String(data.get('invitationCode') ?? '').trim();
    void submit(signup, signupError, () =>
      session.signup({
        username: String(data.get('username') ?? '').trim(),
        email: String(data.get('email') ?? '').trim(),
        password: String(data.get('password') ?? ''),
        ...(invitationCode ? { invitationCode } : {}),
      }),
    );
  });
}

async function submit(form: HTMLFormElement, error: HTMLElement, action: () => Promise<unknown>): Promise<void> {
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  button.disabled = true;
  showError(error, null);
  try {
    await action();
    form.reset();
  } catch (failure) {
    showError(error, describeError(failure));
  } finally {
    button.disabled = false;
  }
}
