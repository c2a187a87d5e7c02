//! The join code (short, read aloud or from a projector) and the secrets
//! (the dashboard key, the learners' tokens), from the OS's random source.

/// No 0/O, 1/I/L: a code copied from a projector is copied right.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS's random source is readable");
    bytes
}

pub fn join_code() -> String {
    // 31 symbols; the modulo bias (256 % 31) is harmless for a join code,
    // which only keeps strangers' reports out of the room.
    random_bytes::<6>()
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// 128 random bits as hex: the dashboard key and each learner's token.
pub fn token() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_codes_are_six_unambiguous_characters_and_differ() {
        let code = join_code();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        let many: std::collections::HashSet<_> = (0..50).map(|_| join_code()).collect();
        assert!(many.len() > 45, "50 codes should almost never repeat");
    }

    #[test]
    fn tokens_are_32_hex_digits_and_differ() {
        assert_eq!(token().len(), 32);
        assert_ne!(token(), token());
    }
}
