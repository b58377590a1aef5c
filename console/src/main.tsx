import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSession, saveSession, setUnauthorisedHandler, type Session } from './api';
import { homePath, navigationFor, resolveRoute } from './logic/roles';
import { applyOfflinePolicy, forgetPatientData } from './offline';
import { navigate, usePathname } from './router';
import { Analytics } from './screens/Analytics';
import { FirstOperator, SETUP_PATH, useFirstRunRedirect } from './screens/FirstOperator';
import { Login } from './screens/Login';
import { Operations } from './screens/Operations';
import { PatientReports } from './screens/PatientReports';
import { ReportView } from './screens/ReportView';
import { Upload } from './screens/Upload';
import { Worklist } from './screens/Worklist';
import './styles.css';

function Screen({ session, pathname }: { session: Session; pathname: string }) {
  const route = resolveRoute(session.role, pathname);
  switch (route.screen) {
    case 'worklist':
      return <Worklist session={session} />;
    case 'report':
      return <ReportView session={session} id={route.id as string} />;
    case 'upload':
      return <Upload session={session} />;
    case 'operations':
      return <Operations session={session} />;
    case 'analytics':
      return <Analytics session={session} />;
    case 'my-reports':
      return <PatientReports session={session} />;
    case 'none':
      return (
        <main id="main">
          <h1>No screens for this role</h1>
          <p>The console is for admin workers, doctors, operators and patients.</p>
        </main>
      );
  }
}

function App() {
  const [session, setSession] = useState(loadSession());
  const pathname = usePathname();

  const signOut = (): void => {
    saveSession(undefined);
    setSession(undefined);
    void forgetPatientData();
    navigate('/', true);
  };

  useEffect(() => setUnauthorisedHandler(signOut), []);
  useEffect(() => {
    if (session) void applyOfflinePolicy(session.role).catch(() => undefined);
  }, [session?.role]);
  useFirstRunRedirect(!session, pathname);

  useEffect(() => {
    if (
      session &&
      resolveRoute(session.role, pathname).screen !== 'report' &&
      !navigationFor(session.role).some((entry) => entry.path === pathname)
    ) {
      navigate(homePath(session.role), true);
    }
  }, [session, pathname]);

  if (!session) {
    const onSignedIn = (signedIn: Session): void => {
      // Whatever an earlier patient left on this device is not the new user's.
      void forgetPatientData();
      saveSession(signedIn);
      setSession(signedIn);
      navigate(homePath(signedIn.role), true);
    };
    return pathname === SETUP_PATH ? <FirstOperator onSignedIn={onSignedIn} /> : <Login onSignedIn={onSignedIn} />;
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Osteon</span>
        <nav aria-label="Screens">
          {navigationFor(session.role).map((entry) => (
            <a
              key={entry.path}
              href={entry.path}
              aria-current={pathname === entry.path ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate(entry.path);
              }}
            >
              {entry.label}
            </a>
          ))}
        </nav>
        <span class="user">
          {session.username} <span class="muted">({session.role})</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <Screen session={session} pathname={pathname} />
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
