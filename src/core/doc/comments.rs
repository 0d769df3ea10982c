//! Policy files may carry `//` and `/* */` comments (annotated templates, notes for the next
//! operator). They are blanked out before the strict JSON readers see the text: each comment
//! byte becomes a space and newlines stay, so every offset, line and column is the file's own.

use std::borrow::Cow;

use jsonc_parser::errors::ParseError;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};

/// The text with its comments blanked. Any other lexical problem is left for the JSON readers
/// to report; an unterminated block comment is reported here, where it starts.
pub(crate) fn blank_comments(text: &str) -> Result<Cow<'_, str>, ParseError> {
    let mut scanner = Scanner::new(text, &strict());
    let mut comments = Vec::new();
    loop {
        match scanner.scan() {
            Ok(None) => break,
            Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => {
                comments.push(scanner.token_start()..scanner.token_end());
            }
            Ok(Some(_)) => {}
            Err(error) if is_comment_error(&error) => return Err(error),
            Err(_) => break,
        }
    }
    if comments.is_empty() {
        return Ok(Cow::Borrowed(text));
    }
    let mut bytes = text.as_bytes().to_vec();
    for range in comments {
        for byte in &mut bytes[range] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Only whole characters inside comments were replaced, each byte by an ASCII space.
    Ok(Cow::Owned(
        String::from_utf8(bytes).expect("blanking keeps UTF-8"),
    ))
}

fn is_comment_error(error: &ParseError) -> bool {
    matches!(
        error.kind(),
        jsonc_parser::errors::ParseErrorKind::UnterminatedCommentBlock
    )
}

/// Nothing beyond JSON and comments: the JSON readers decide the rest.
fn strict() -> ScannerOptions {
    ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}
