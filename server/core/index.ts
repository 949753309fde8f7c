// server/core: the pure, isomorphic engine. Data in, verdict out; no I/O, clock or randomness.

export * from "./approval";
export * from "./bundle-text";
export * from "./caller";
export * from "./canonical";
export * from "./chain";
export * from "./crypto";
export * from "./decide";
export * from "./diff";
export * from "./dispatch";
export * from "./events";
export * from "./evidence";
export * from "./glob";
export * from "./json";
export * from "./match-budget";
export * from "./paths";
export * from "./policy-warnings";
export * from "./retry";
export * from "./schemas";
export * from "./time";
export * from "./verify";
export * from "./version";
export * from "./visible";
