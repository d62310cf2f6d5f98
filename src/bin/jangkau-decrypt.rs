//! Command-line tool for a programme: makes its key pair, and decrypts files Jangkau encrypted to it.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The tool is native only; this keeps `cargo build --target wasm32` whole.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::fs;
    use std::io::{self, Read, Write};
    use std::process::ExitCode;

    use jangkau::crypto::envelope::{fingerprint, Envelope};
    use jangkau::crypto::{native, CryptoError};

    const USAGE: &str = "\
usage:
  jangkau-decrypt keygen NAME
      writes NAME.private.pem (keep it secret, off any phone) and
      NAME.public.pem (paste it into Jangkau's settings)
  jangkau-decrypt --key NAME.private.pem [FILE]
      decrypts FILE (or standard input) and writes the records to standard output
      (envelope versions 1 and 2: version 2 is decompressed after decrypting)";

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["keygen", name] => keygen(name),
            ["--key", key] => decrypt(key, None),
            ["--key", key, file] => decrypt(key, Some(file)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("jangkau-decrypt: {message}");
                ExitCode::FAILURE
            }
        }
    }

    fn keygen(name: &str) -> Result<(), String> {
        let (private, public) = native::generate().map_err(|e| e.to_string())?;
        let private_path = format!("{name}.private.pem");
        let public_path = format!("{name}.public.pem");
        for path in [&private_path, &public_path] {
            if fs::metadata(path).is_ok() {
                return Err(format!("{path} exists; not overwriting a key"));
            }
        }
        write_private(&private_path, &private)?;
        fs::write(&public_path, &public).map_err(|e| format!("{public_path}: {e}"))?;
        let kid = native::kid_of(
            &p256::pkcs8::DecodePublicKey::from_public_key_pem(&public)
                .map_err(|e| format!("{e}"))?,
        );
        println!("wrote {private_path} and {public_path}");
        println!("key fingerprint: {}", fingerprint(&kid));
        Ok(())
    }

    #[cfg(unix)]
    fn write_private(path: &str, pem: &str) -> Result<(), String> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| format!("{path}: {e}"))?;
        file.write_all(pem.as_bytes())
            .map_err(|e| format!("{path}: {e}"))
    }

    #[cfg(not(unix))]
    fn write_private(path: &str, pem: &str) -> Result<(), String> {
        fs::write(path, pem).map_err(|e| format!("{path}: {e}"))
    }

    fn decrypt(key_path: &str, file: Option<&str>) -> Result<(), String> {
        let key = fs::read_to_string(key_path).map_err(|e| format!("{key_path}: {e}"))?;
        let text = match file {
            Some(path) => fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
            None => {
                let mut text = String::new();
                io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("standard input: {e}"))?;
                text
            }
        };
        let envelope = Envelope::parse(&text).map_err(|_| {
            "not a Jangkau encrypted file, or it was cut short (check the download finished)"
                .to_owned()
        })?;
        let plain = native::open(&key, &envelope).map_err(|e| match e {
            CryptoError::Tampered => {
                "the file is damaged or was changed after it was encrypted".to_owned()
            }
            // Version 2: the tag held, but what is inside is not usable.
            CryptoError::Failed(why) => format!("the file was decrypted, but {why}"),
            other => other.to_string(),
        })?;
        io::stdout()
            .write_all(&plain)
            .map_err(|e| format!("standard output: {e}"))
    }
}
