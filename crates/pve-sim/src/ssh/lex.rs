//! Command lines as bash splits them: words with POSIX quoting, and the few operators
//! the simulated shells know (`&&`, `;`, `>`, `>>`, `<<`).

/// Unquoted operators, as the lexer reports them. They start with a NUL byte, which no
/// quoted word can contain, so `'&&'` stays a word and `&&` is an operator, as in bash.
pub(super) const AND: &str = "\0&&";
pub(super) const SEMICOLON: &str = "\0;";
pub(super) const WRITE: &str = "\0>";
pub(super) const APPEND: &str = "\0>>";
pub(super) const HEREDOC: &str = "\0<<";

/// Splits a command line into words and operators with POSIX quoting rules: single
/// quotes are literal, double quotes honour `\"`, `\\`, `\$` and `` \` ``, a backslash
/// outside quotes escapes the next character. `Err` for an unterminated quote.
pub(super) fn lex(line: &str) -> Result<Vec<String>, ()> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let finish = |tokens: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            tokens.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(other) => word.push(other),
                        None => return Err(()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(()),
                        },
                        Some(other) => word.push(other),
                        None => return Err(()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(other) => {
                    in_word = true;
                    word.push(other);
                }
                None => return Err(()),
            },
            c if c.is_whitespace() => finish(&mut tokens, &mut word, &mut in_word),
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(AND.to_owned());
            }
            ';' => {
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(SEMICOLON.to_owned());
            }
            '>' => {
                finish(&mut tokens, &mut word, &mut in_word);
                if chars.peek() == Some(&'>') {
                    chars.next();
                    tokens.push(APPEND.to_owned());
                } else {
                    tokens.push(WRITE.to_owned());
                }
            }
            '<' if chars.peek() == Some(&'<') => {
                chars.next();
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(HEREDOC.to_owned());
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    finish(&mut tokens, &mut word, &mut in_word);
    Ok(tokens)
}

/// Whether `command` reads its standard input (so it runs once the client sends EOF).
pub fn reads_stdin(command: &str) -> bool {
    let Ok(words) = lex(command) else {
        return false;
    };
    words.split(|w| w == AND || w == SEMICOLON).any(|part| match part {
        [cat, redirect, _] if cat == "cat" && redirect == WRITE => true,
        [pct, exec, ..] if pct == "pct" && exec == "exec" => {
            let inner = part.iter().skip_while(|w| *w != "--").skip(1).collect::<Vec<_>>();
            matches!(inner.as_slice(), [shell] | [shell, _] if *shell == "bash" || *shell == "sh")
                && !inner.iter().any(|w| *w == "-c")
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_operators_are_words_and_bare_ones_are_operators() {
        assert_eq!(
            lex("echo '&&' && echo \"a;b\" ; x>y").unwrap(),
            ["echo", "&&", AND, "echo", "a;b", SEMICOLON, "x", WRITE, "y"]
        );
        assert_eq!(
            lex(r#"echo "it's \"q\" \$HOME" it\'s"#).unwrap(),
            ["echo", "it's \"q\" $HOME", "it's"]
        );
        assert_eq!(lex("cat <<'EOF'").unwrap(), ["cat", HEREDOC, "EOF"]);
        assert_eq!(lex("''").unwrap(), [""]);
        assert!(lex("echo 'open").is_err());
        assert!(lex("echo \"open").is_err());
    }
}
