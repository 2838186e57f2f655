// HTTP client and rate governor (see issue 3); filled in by the Intercom work.
export {};
