/**
 * The first Tab stop of every page: jumps past the header to the page's `<main id="main">` (which
 * has tabIndex -1, so focus really moves there and the next Tab continues inside it).
 */
export function SkipLink() {
  return (
    <a
      href="#main"
      className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-md focus:bg-emerald-400 focus:px-3 focus:py-2 focus:font-medium focus:text-slate-950"
    >
      Skip to content
    </a>
  );
}

/** The classes of a `<main id="main" tabIndex={-1}>`: no focus ring when the skip link lands there. */
export const MAIN_FOCUS = "focus:outline-none";
