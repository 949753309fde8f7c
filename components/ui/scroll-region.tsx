"use client";

import { type ReactNode, useEffect, useRef, useState } from "react";

/**
 * A box that scrolls sideways when its content is wider than the screen (a wide table on a phone),
 * never the page (or down, given a max height). While it actually overflows it is a named, focusable region, so keyboard users can
 * scroll it too (axe: scrollable-region-focusable); otherwise it is a plain div and no extra Tab stop.
 */
export function ScrollRegion({
  label,
  className = "",
  children,
}: {
  label?: string;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const measure = () =>
      setOverflows(box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    for (const child of box.children) observer.observe(child);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={ref}
      className={`relative max-w-full overflow-x-auto focus-visible:outline-2 focus-visible:outline-emerald-400 ${className}`}
      {...(overflows ? { tabIndex: 0, role: "region", "aria-label": label ?? "Scrollable content" } : {})}
    >
      {children}
    </div>
  );
}
