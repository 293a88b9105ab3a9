// Today's UTC date for every request (the OpenStack version listing hides future-dated versions),
// without formatting a Date per request: the text is kept until the next UTC midnight.

const DAY_MS = 86_400_000;

/** A `today()` for the guest handler: 'YYYY-MM-DD' in UTC at `now()`. */
export function createUtcDay(now: () => number = Date.now): () => string {
  let day = '';
  let from = 0;
  let until = 0;
  return () => {
    const t = now();
    // Outside the remembered day (also backwards: the clock may be set back).
    if (t < from || t >= until) {
      from = Math.floor(t / DAY_MS) * DAY_MS;
      until = from + DAY_MS;
      day = new Date(from).toISOString().slice(0, 10);
    }
    return day;
  };
}
