//! API keys of every kind the contract talks about, stored for a test's server.

use paddock::domain::{
    ApiKey, DEFAULT_ACCOUNT, Environment, Mint, NewApiKey, Permission, Timestamp,
};
use paddock::store::Store;

/// Keys of every kind, as the plaintext a client would send.
pub struct Keys {
    /// Sandbox, read and write.
    pub sandbox: String,
    /// Live, read and write.
    pub live: String,
    /// Sandbox, `client_token.read` only.
    pub read_only: String,
    /// Sandbox, `client_token.write` only.
    pub write_only: String,
    /// Sandbox, revoked.
    pub revoked: String,
    /// Sandbox, expired.
    pub expired: String,
    /// Well-formed, never stored.
    pub unknown: String,
}

pub(super) async fn provision_keys(store: &dyn Store) -> Keys {
    use Permission::*;
    async fn add(
        store: &dyn Store,
        environment: Environment,
        permissions: &[Permission],
        expires_at: Option<Timestamp>,
    ) -> (ApiKey, String) {
        let mut new = NewApiKey::with_permissions(environment, permissions.to_vec());
        new.expires_at = expires_at;
        let (key, secret) = ApiKey::generate(DEFAULT_ACCOUNT, new, &Mint::real());
        store.insert_api_key(&key, &[]).await.unwrap();
        (key, secret.expose().to_owned())
    }
    let (_, sandbox) = add(
        store,
        Environment::Sandbox,
        &[ClientTokenRead, ClientTokenWrite],
        None,
    )
    .await;
    let (_, live) = add(
        store,
        Environment::Live,
        &[ClientTokenRead, ClientTokenWrite],
        None,
    )
    .await;
    let (_, read_only) = add(store, Environment::Sandbox, &[ClientTokenRead], None).await;
    let (_, write_only) = add(store, Environment::Sandbox, &[ClientTokenWrite], None).await;
    let (revoked_key, revoked) = add(store, Environment::Sandbox, &Permission::ALL, None).await;
    let no_events = |_: &ApiKey| Vec::new();
    (store.revoke_api_key(&revoked_key.id, Timestamp::now(), &no_events))
        .await
        .unwrap();
    let past = Timestamp::now().checked_add(time::Duration::seconds(-1));
    let (_, expired) = add(store, Environment::Sandbox, &Permission::ALL, past).await;
    let (never_stored, _) = ApiKey::generate(
        DEFAULT_ACCOUNT,
        NewApiKey::with_permissions(Environment::Sandbox, vec![]),
        &Mint::real(),
    );
    let unknown = format!(
        "pdl_sdbx_apikey_{}_NeverStoredSecret",
        &never_stored.id.as_str()[7..]
    );
    Keys {
        sandbox,
        live,
        read_only,
        write_only,
        revoked,
        expired,
        unknown,
    }
}
