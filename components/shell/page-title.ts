"use client";

import { useEffect } from "react";

const COUNT_PREFIX = /^\(\d+\) /;

/**
 * Prefixes the tab title with the number of pending approvals — `(3) Approvals — ExoArmur` — on
 * every page, and keeps it there when a navigation sets the page's own title.
 */
export function usePendingCountTitle(count: number): void {
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(COUNT_PREFIX, "");
      const wanted = count > 0 ? `(${count}) ${base}` : base;
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = document.title.replace(COUNT_PREFIX, "");
    };
  }, [count]);
}
