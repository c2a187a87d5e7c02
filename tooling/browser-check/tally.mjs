// The tally the browser checks share: every check counts, a failure is
// printed the moment it happens (so a log cut short still says what broke),
// and a script ends with `summary()`: "N passed, M failed".

export const failures = [];
let passed = 0;

export function check(ok, what) {
    if (ok) {
        passed += 1;
    } else {
        failures.push(what);
        console.log(`  ✗ ${what}`);
    }
}

export function summary() {
    return `${passed} passed, ${failures.length} failed`;
}
