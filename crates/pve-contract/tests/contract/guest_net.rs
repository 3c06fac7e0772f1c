//! The containers' addresses answer from outside as their services would: what the
//! dashboard's web probe and an operator's browser meet.

use std::net::SocketAddr;
use std::time::Duration;

use pve::PowerAction;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::shell::node;
use crate::support::{client, wait};

/// The container's address as `ip` inside it reports it.
async fn address_of(ssh: &crate::openssh::OpenSsh, vmid: u32) -> String {
    let shown = ssh.ok(&format!("pct exec {vmid} -- ip -4 addr show")).await;
    shown
        .lines()
        .find(|l| l.contains("scope global"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|cidr| cidr.split('/').next())
        .expect("a global address")
        .to_owned()
}

/// One plain HTTP request; the whole answer.
async fn get(address: &str, port: u16, path: &str) -> std::io::Result<String> {
    let target: SocketAddr = format!("{address}:{port}").parse().unwrap();
    let mut tcp = TcpStream::connect(target).await?;
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer))
        .await
        .expect("an answer in time")?;
    Ok(answer)
}

#[tokio::test]
async fn listening_services_answer_on_the_containers_address_and_follow_the_guest() {
    let (sim, ssh) = node().await;
    let api = client(&sim);
    let web = address_of(&ssh, 100).await;
    assert!(
        web.starts_with("127."),
        "a loopback subnet of its own: {web}"
    );

    let default = get(&web, 80, "/").await.unwrap();
    assert!(default.starts_with("HTTP/1.1 200 OK\r\n"), "{default}");
    assert!(
        default.contains("<title>Welcome to nginx!</title>"),
        "{default}"
    );
    ssh.ok("pct exec 100 -- sh -c 'echo \"<title>Own site</title>\" > /var/www/html/index.html'")
        .await;
    assert!(
        get(&web, 80, "/")
            .await
            .unwrap()
            .contains("<title>Own site</title>")
    );
    assert!(
        get(&web, 80, "/nothing")
            .await
            .unwrap()
            .starts_with("HTTP/1.1 404")
    );

    // sshd speaks first; a TLS hello to a plain HTTP port is refused at once.
    let mut ssh_port = TcpStream::connect(format!("{web}:22")).await.unwrap();
    let mut banner = [0_u8; 8];
    ssh_port.read_exact(&mut banner).await.unwrap();
    assert_eq!(&banner, b"SSH-2.0-");
    let mut tls = TcpStream::connect(format!("{web}:80")).await.unwrap();
    tls.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05])
        .await
        .unwrap();
    let mut refused = String::new();
    tls.read_to_string(&mut refused).await.unwrap();
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");

    // PostgreSQL listens on loopback only: not reachable from outside.
    let db = address_of(&ssh, 101).await;
    assert!(TcpStream::connect(format!("{db}:5432")).await.is_err());

    // A stopped service, a stopped container: their ports close.
    ssh.ok("pct exec 100 -- systemctl stop nginx").await;
    assert!(get(&web, 80, "/").await.is_err(), "nginx stopped");
    ssh.ok("pct exec 100 -- systemctl start nginx").await;
    assert!(get(&web, 80, "/").await.is_ok(), "nginx started again");
    let upid = api.lxc_power("pve", 100, &PowerAction::Stop).await.unwrap();
    wait(&api, &upid).await.unwrap();
    assert!(TcpStream::connect(format!("{web}:22")).await.is_err());
    let upid = api
        .lxc_power("pve", 100, &PowerAction::Start)
        .await
        .unwrap();
    wait(&api, &upid).await.unwrap();
    assert!(get(&web, 80, "/").await.unwrap().contains("Own site"));
}

#[tokio::test]
async fn published_docker_ports_answer_as_their_images() {
    let (_sim, ssh) = node().await;
    ssh.ok("pct exec 104 -- apt-get install -y docker.io").await;
    ssh.ok(
        "pct exec 104 -- docker run -d --name portainer -p 9443:9443 portainer/portainer-ce:2.21.0",
    )
    .await;
    ssh.ok("pct exec 104 -- docker run -d --name app -p 8080:8080 example/app")
        .await;
    let address = address_of(&ssh, 104).await;
    let certificate = pve::tls::probe(&address, 9443, Duration::from_secs(5))
        .await
        .expect("Portainer speaks HTTPS");
    assert_eq!(certificate.subject, certificate.issuer, "self-signed");
    // An unknown image accepts and says nothing.
    let mut silent = TcpStream::connect(format!("{address}:8080")).await.unwrap();
    silent.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut byte = [0_u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(300), silent.read(&mut byte)).await;
    assert!(waited.is_err(), "no answer: {waited:?}");
}
