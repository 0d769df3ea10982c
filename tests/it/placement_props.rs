//! Property tests of the constraint language: the parser never panics, whatever the input, and
//! what it prints parses back to the same expression.

use imgreaper::core::placement::{Expr, Op, Term, ValueKind, parse_constraint};
use proptest::prelude::*;

fn term() -> impl Strategy<Value = Expr> {
    let name = "[a-z][a-z0-9_.]{0,6}";
    let compare = (
        prop_oneof![Just(Op::Eq), Just(Op::Ne)],
        prop_oneof![
            "[a-z0-9][a-z0-9._-]{0,5}".prop_map(|v| (v, ValueKind::Bare)),
            "[a-z][a-z ]{0,4}[a-z]".prop_map(|v| (format!("\"{v}\""), ValueKind::Quoted)),
        ],
    );
    let numeric = (
        prop_oneof![Just(Op::Lt), Just(Op::Gt), Just(Op::Le), Just(Op::Ge)],
        (-1000i32..1000).prop_map(|n| (n.to_string(), ValueKind::Bare)),
    );
    let within = (
        Just(Op::In),
        prop_oneof![
            "[a-z]{1,4}(,[a-z]{1,4}){1,3}".prop_map(|v| (format!("\"{v}\""), ValueKind::List)),
            (0u8..9, 0u8..9, 0u8..9)
                .prop_map(|(a, b, c)| (format!("{a}.{b}.{c}"), ValueKind::Bare)),
            (0u8..9, 0u8..9, any::<bool>()).prop_map(|(a, b, closed)| {
                let end = if closed { ']' } else { ')' };
                (format!("[{a}.0.0,{}.{b}.0{end}", a + 1), ValueKind::Range)
            }),
        ],
    );
    (name, prop_oneof![compare, numeric, within]).prop_map(|(name, (op, (value, kind)))| {
        Expr::Term(Term {
            name,
            op,
            value,
            kind,
        })
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    term().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_expressions_parse_back_to_themselves(expr in expr()) {
        let printed = expr.to_string();
        let parsed = parse_constraint(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&expr), "{}", printed);
        prop_assert_eq!(parsed.unwrap().to_string(), printed);
    }

    #[test]
    fn the_parser_never_panics_and_its_errors_lie_inside_the_text(
        text in prop_oneof![
            any::<String>(),
            "[a-z =!<>()\"\\[\\],.&|0-9ANDORin-]{0,40}",
        ]
    ) {
        match parse_constraint(&text) {
            Ok(expr) => {
                // Whatever parses, prints to text that parses to the same thing.
                let printed = expr.to_string();
                prop_assert_eq!(parse_constraint(&printed), Ok(expr), "{}", printed);
            }
            Err(error) => {
                prop_assert!(error.offset <= text.len(), "{error:?}");
                prop_assert!(text.is_char_boundary(error.offset), "{error:?}");
                prop_assert!(!error.message.is_empty());
            }
        }
    }
}
