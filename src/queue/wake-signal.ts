// The poll loops' sleep (queue workers, callback delivery): a loop sleeps until its next poll, and a
// notify() (a call enqueued or ended on this node) ends the sleep at once, or, when the loop is busy,
// makes its next sleep return at once so the news is never missed between a check and a sleep.

export class WakeSignal {
  private wakeUp: (() => void) | undefined;
  private kicked = false;

  notify(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (w) w();
    else this.kicked = true; // the loop is busy: it re-checks before sleeping
  }

  sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
