/**
 * Shows that the page stays responsive: frames per second of the main thread and its longest gap between two
 * frames over the last second (a long gap is a freeze).
 */
export function startFrameMeter(out: HTMLElement): void {
  let frames = 0;
  let worst = 0;
  let last = performance.now();
  let windowStart = last;
  const tick = (now: number) => {
    frames++;
    worst = Math.max(worst, now - last);
    last = now;
    if (now - windowStart >= 1000) {
      const fps = (frames * 1000) / (now - windowStart);
      out.textContent = `${Math.round(fps)} fps, longest frame gap ${Math.round(worst)} ms`;
      out.classList.toggle("bad", worst > 200);
      frames = 0;
      worst = 0;
      windowStart = now;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
