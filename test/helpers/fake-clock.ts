// A clock that moves only when told: timers fire in due order during advance().
import type { Clock, TimerHandle } from '../../src/ikev2/engine-api';

interface Timer {
  due: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fire: () => void): TimerHandle {
    const timer: Timer = { due: this.t + ms, seq: this.seq++, fire, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by `ms`, firing each timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => !x.cancelled && x.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.t = due.due;
      due.cancelled = true;
      due.fire();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => !x.cancelled);
  }

  /** Timers still armed. */
  get armed(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
}
