/** A bench setting from the environment: an integer in [min, max], else the run stops (exit 2). */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    console.error(`bench: ${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}
