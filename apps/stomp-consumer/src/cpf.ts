/** Brazilian CPF: 11 digits, the last two are check digits (mod 11). Formatted `000.000.000-00`. */

/** The two check digits of the first nine digits. */
export function cpfCheckDigits(nine: string): string {
  const digits = [...nine].map(Number);
  const digit = (weightStart: number, ds: number[]) => {
    const sum = ds.reduce((acc, d, i) => acc + d * (weightStart - i), 0);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  const first = digit(10, digits);
  const second = digit(11, [...digits, first]);
  return `${first}${second}`;
}

/** Problems with a CPF, or [] when valid. Messages never contain the value. */
export function cpfProblems(value: string): string[] {
  if (!/^(\d{3}\.\d{3}\.\d{3}-\d{2}|\d{11})$/.test(value))
    return ["must be a CPF: 000.000.000-00 or 11 digits"];
  const digits = value.replace(/\D/g, "");
  if (/^(\d)\1{10}$/.test(digits)) return ["is not a valid CPF (repeated digits)"];
  if (cpfCheckDigits(digits.slice(0, 9)) !== digits.slice(9)) return ["has invalid CPF check digits"];
  return [];
}
