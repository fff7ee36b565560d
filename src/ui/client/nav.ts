// Hash routing: #/apps/<app>/route/<path> and so on; the part after # is the console's own path.
export const link = (path: string) => `#${path}`;
export const go = (path: string) => {
  window.location.hash = path;
};
export const current = () => window.location.hash.replace(/^#/, '') || '/';
