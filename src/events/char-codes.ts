/**
 * Character codes the hand-written scanners (the timestamp parser, IP addresses) compare
 * `charCodeAt` against, by name.
 */
export const CH_SPACE = 32;
export const CH_OPEN_PAREN = 40;
export const CH_CLOSE_PAREN = 41;
export const CH_PLUS = 43;
export const CH_COMMA = 44;
export const CH_MINUS = 45;
export const CH_DOT = 46;
export const CH_SLASH = 47;
export const CH_0 = 48;
export const CH_9 = 57;
export const CH_COLON = 58;
export const CH_A_UPPER = 65;
export const CH_E_UPPER = 69;
export const CH_T = 84;
export const CH_Z = 90;
export const CH_OPEN_BRACKET = 91;
export const CH_CLOSE_BRACKET = 93;
export const CH_A_LOWER = 97;
export const CH_E_LOWER = 101;
export const CH_T_LOWER = 116;
export const CH_Z_LOWER = 122;
