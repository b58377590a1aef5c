import type { Role } from './types';

export type Screen = 'worklist' | 'report' | 'upload' | 'operations' | 'analytics' | 'my-reports';

export interface NavigationEntry {
  readonly screen: Screen;
  readonly path: string;
  readonly label: string;
}

const NAVIGATION: Record<Role, readonly NavigationEntry[]> = {
  'admin-worker': [{ screen: 'upload', path: '/upload', label: 'New record' }],
  doctor: [
    { screen: 'worklist', path: '/worklist', label: 'Worklist' },
    { screen: 'analytics', path: '/analytics', label: 'Analytics' },
  ],
  operator: [
    { screen: 'operations', path: '/operations', label: 'Operations' },
    { screen: 'analytics', path: '/analytics', label: 'Analytics' },
  ],
  patient: [{ screen: 'my-reports', path: '/my-reports', label: 'My reports' }],
};

/** The screens a role may open, in menu order; the first is its home. */
export function navigationFor(role: Role): readonly NavigationEntry[] {
  return NAVIGATION[role];
}

export interface Route {
  readonly screen: Screen | 'none';
  readonly id?: string;
}

/** Resolves a path to a screen the role may see; anything else goes to the role's home. */
export function resolveRoute(role: Role, pathname: string): Route {
  const allowed = navigationFor(role);
  const report = /^\/reports\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
  if (report && role === 'doctor') return { screen: 'report', id: report[1] };
  const match = allowed.find((entry) => entry.path === pathname);
  if (match) return { screen: match.screen };
  const home = allowed[0];
  return home ? { screen: home.screen } : { screen: 'none' };
}

export function homePath(role: Role): string {
  return navigationFor(role)[0]?.path ?? '/';
}
