import { describeError } from '../api';
import { byId, byTestId, showError } from '../dom';
import type { Session } from '../session';

/** Log in and sign up forms. */
export function mountAuthPanel(session: Session): void {
  const login = byId<HTMLFormElement>('login-form');
  const signup = byId<HTMLFormElement>('signup-form');
  for (const form of [login, signup]) (form.querySelector('button[type=submit]') as HTMLButtonElement).disabled = false;
  const loginError = byTestId(login, 'login-error');
  login.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(login);
    void submit(login, loginError, () => session.login(field(data, 'username').trim(), field(data, 'password')));
  });

  const signupError = byTestId(signup, 'signup-error');
  signup.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(signup);
    const invitationCode = field(data, 'invitationCode').trim();
    void submit(signup, signupError, () =>
      session.signup({
        username: field(data, 'username').trim(),
        email: field(data, 'email').trim(),
        password: field(data, 'password'),
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

function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}
