/** The ExoArmur shield, drawn inline so it inherits size from its container. */
export function ShieldMark({ className = "h-8 w-8" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true" focusable="false">
      <path
        d="M16 2 4 6.5v8.2c0 7.3 5 13.6 12 15.3 7-1.7 12-8 12-15.3V6.5L16 2Z"
        fill="#0f172a"
        stroke="#34d399"
        strokeWidth="2"
        strokeLinejoin="round"
      />
      <path
        d="m10.5 16 3.8 3.8 7.2-7.6"
        fill="none"
        stroke="#34d399"
        strokeWidth="2.5"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
